import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Relative asset paths: the same build is served by Tauri's custom protocol
// and by the HTTP bridge.
export default defineConfig({
  base: './',
  plugins: [react()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: 'es2022', chunkSizeWarningLimit: 1000 },
  test: { environment: 'node', include: ['src/**/*.test.ts', 'src/**/*.test.tsx'] },
});
