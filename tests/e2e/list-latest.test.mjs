// web/src/list.js, the rows of every list page: an answer to an older call arriving after a newer
// one is dropped (the audit page once showed the unfiltered rows under a chosen 操作类型).
// Runs the page module itself in node (Vue's reactivity needs no browser).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { useList } from '../../web/src/list.js'

function deferred() {
  let resolve, reject
  const promise = new Promise((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

test('the latest call wins over a slower older one', async () => {
  const calls = []
  const list = useList(() => { const d = deferred(); calls.push(d); return d.promise })
  const first = list.load() // unfiltered, slow
  const second = list.search() // filtered, answers first
  calls[1].resolve({ items: [{ action: 'complaint.print' }], total: 1 })
  await second
  assert.deepEqual(list.items.value, [{ action: 'complaint.print' }])
  assert.equal(list.loading.value, false)
  calls[0].resolve({ items: [{ action: 'auth.login' }, { action: 'auth.logout' }], total: 4077 })
  await first
  assert.deepEqual(list.items.value, [{ action: 'complaint.print' }], 'the older answer is dropped')
  assert.equal(list.total.value, 1)
})

test('an older call failing late neither empties the rows nor stops the spinner of a newer one', async () => {
  const calls = []
  const list = useList(() => { const d = deferred(); calls.push(d); return d.promise })
  const first = list.load()
  const second = list.load()
  calls[0].reject(new Error('timeout'))
  await first
  assert.equal(list.loading.value, true, 'the newer call is still running')
  calls[1].resolve({ items: [{ id: 1 }], total: 1, total_capped: true })
  await second
  assert.deepEqual(list.items.value, [{ id: 1 }])
  assert.equal(list.capped.value, true)
  assert.equal(list.loading.value, false)
})

test('a single call that fails empties the list', async () => {
  const list = useList(() => Promise.reject(new Error('500')))
  list.items.value = [{ id: 9 }]
  await list.load()
  assert.deepEqual(list.items.value, [])
  assert.equal(list.total.value, 0)
})
