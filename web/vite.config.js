// Vite build for the fcms web UI. Output goes to web/dist, served as static files by the C
// server under a strict CSP: templates are compiled here (runtime-only Vue), no inline scripts.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  base: '/',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1200,
    // No inline module-preload polyfill or data: scripts; everything is a file under /assets/.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
})
