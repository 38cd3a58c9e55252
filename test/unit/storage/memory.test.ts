import { MemoryStore } from '../../../src/storage/memory.js';
import { storeConformance } from './conformance.js';

storeConformance('memory', { open: async () => new MemoryStore() });
