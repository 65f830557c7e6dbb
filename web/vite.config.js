// Vite build for the fcms web UI. Output goes to web/dist, served as static files by the C
// server under a strict CSP: templates are compiled here (runtime-only Vue), no inline scripts.
// Text files also get brotli (.br) and gzip (.gz) siblings, written with node:zlib after the
// build; the server picks one by Accept-Encoding (src/http/static_files.c).
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'

function precompress() {
  let outDir = 'dist'
  return {
    name: 'fcms-precompress',
    apply: 'build',
    configResolved(cfg) { outDir = path.resolve(cfg.root, cfg.build.outDir) },
    closeBundle() {
      const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)])
      for (const f of walk(outDir)) {
        if (!/\.(js|mjs|css|html|svg|json|txt)$/.test(f)) continue
        const buf = fs.readFileSync(f)
        if (buf.length < 1024) continue
        fs.writeFileSync(f + '.gz', zlib.gzipSync(buf, { level: 9 }))
        fs.writeFileSync(f + '.br', zlib.brotliCompressSync(buf, {
          params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
        }))
      }
    },
  }
}

export default defineConfig({
  base: '/',
  plugins: [vue(), precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1200,
    // No inline module-preload polyfill or data: scripts; everything is a file under /assets/.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    // The charts' library is a chunk of its own, loaded only by pages that draw a chart.
    rolldownOptions: {
      output: { advancedChunks: { groups: [{ name: 'echarts', test: /node_modules[\\/](echarts|zrender)[\\/]/ }] } },
    },
  },
})
