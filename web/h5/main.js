// The public consumer site: a small Vue app (runtime only; templates compiled by Vite).
import { createApp } from 'vue'
import App from './App.vue'
import './h5.css'

createApp(App).mount('#app')
