// Vite build of the public consumer site (网上投诉, 投诉进度查询; issue 16): its own entry
// (web/h5) and its own output (web/dist-h5), served by fcms under /h5/ with a CSP that allows
// nothing inline. It imports nothing from the staff UI (web/src): no staff code ships here.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))

export default defineConfig({
  root: path.join(here, 'h5'),
  base: '/h5/',
  plugins: [vue()],
  build: {
    outDir: path.join(here, 'dist-h5'),
    emptyOutDir: true,
    assetsDir: 'assets',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
})
