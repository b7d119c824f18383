package store

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/pickpack/pickpack/server/floor"
)

// planCacheMax bounds the records each map of a planCache holds (an order
// takes about 600 bytes with its copy); a full map is emptied and fills
// again with what NextTask reads next (the orders at the head of the queue
// and the SKUs they take). An order leaves when it is assigned.
const planCacheMax = 20_000

// planCache keeps the records NextTask decodes on every call: the queued
// orders it offers the planner and the names of their SKUs. At the start
// of a shift a thousand pickers ask within a second and each decoded six
// orders and their SKUs from JSON, most of them the same ones again (the
// head of the queue): over half the CPU of a NextTask.
//
// An entry holds a copy of the stored bytes it was decoded from and is
// used only while the transaction reads the same bytes, so it can never be
// stale whatever wrote the record (an import, a restore, a migration): no
// write has to tell the cache. Comparing a few hundred bytes costs far
// less than decoding them.
type planCache struct {
	mu     sync.Mutex
	orders map[string]cachedRecord[floor.Order]
	names  map[string]cachedRecord[string]
}

type cachedRecord[T any] struct {
	raw []byte
	v   T
}

func newPlanCache() *planCache {
	return &planCache{orders: map[string]cachedRecord[floor.Order]{}, names: map[string]cachedRecord[string]{}}
}

// cached returns m's value for key if it was decoded from raw, else decodes
// raw and keeps the result.
func cached[T any](mu *sync.Mutex, m map[string]cachedRecord[T], key string, raw []byte, decode func([]byte) (T, error)) (T, error) {
	mu.Lock()
	c, ok := m[key]
	mu.Unlock()
	if ok && bytes.Equal(c.raw, raw) {
		return c.v, nil
	}
	v, err := decode(raw)
	if err != nil {
		return v, err
	}
	c = cachedRecord[T]{raw: bytes.Clone(raw), v: v}
	mu.Lock()
	if len(m) >= planCacheMax {
		clear(m)
	}
	m[key] = c
	mu.Unlock()
	return v, nil
}

// order is orderByID for reading only, with the imports tx sees staged
// (pendingImports): the order returned shares its slices (lines, address)
// with the cache, so the caller must not modify them.
func (pc *planCache) order(tx *txn, hidden hider, op, id string) (floor.Order, error) {
	raw := tx.Bucket(bucketOrders).Get([]byte(id))
	if raw == nil || hidden.hides([]byte(id)) {
		return orderByID(tx, op, id) // the not-found error, worded in one place
	}
	o, err := cached(&pc.mu, pc.orders, id, raw, decodeOrder)
	if err != nil {
		return o, fmt.Errorf("decode order %q: %w", id, err)
	}
	return o, nil
}

// forget drops order id, written anew: an assigned order is not planned
// with again, so its entry would only take memory.
func (pc *planCache) forget(id string) {
	pc.mu.Lock()
	delete(pc.orders, id)
	pc.mu.Unlock()
}

// skuName is the name of SKU id.
func (pc *planCache) skuName(tx *txn, op, id string) (string, error) {
	raw := tx.Bucket(bucketSKUs).Get([]byte(id))
	if raw == nil {
		_, err := skuByID(tx, op, id) // the not-found error, worded in one place
		return "", err
	}
	name, err := cached(&pc.mu, pc.names, id, raw, func(raw []byte) (string, error) {
		// Only the name: the barcodes, customs and sizes are not decoded.
		s, err := decodeJSON[struct{ Name string }](raw)
		return s.Name, err
	})
	if err != nil {
		return "", fmt.Errorf("decode %q: %w", id, err)
	}
	return name, nil
}
