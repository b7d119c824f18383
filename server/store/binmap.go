package store

import (
	"context"

	"github.com/pickpack/pickpack/server/floor"
)

var keyCurrent = "current"

// BinMapChange says what an import changed against the previous map.
type BinMapChange struct {
	Bins, Added, Removed, Moved int
}

// ImportBinMap is ImportBinMapContext with a context that never ends.
func (s *Store) ImportBinMap(m *floor.BinMap, dry bool) (BinMapChange, error) {
	return s.ImportBinMapContext(context.Background(), m, dry)
}

// ImportBinMapContext replaces the bin map with m, which must be valid (as
// from floor.ParseBinMap). Bins that hold stock, or stock reserved for a
// task, cannot disappear: the import is refused naming each of them, and
// nothing is stored. With dry set, everything is checked, in a read
// transaction, and nothing is stored.
func (s *Store) ImportBinMapContext(ctx context.Context, m *floor.BinMap, dry bool) (BinMapChange, error) {
	const op = "import bin map"
	var ch BinMapChange
	check := func(tx *txn) error {
		old, err := s.currentMap(tx)
		if err != nil {
			return err
		}
		if old == nil {
			old = &floor.BinMap{}
		}
		ch = diffBinMaps(old, m)
		newBins := make(map[string]bool, len(m.Bins))
		for _, b := range m.Bins {
			newBins[b.Code] = true
		}
		var vs floor.Violations
		c := tx.Bucket(bucketStock).Cursor()
		i := 0
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if err := checkpoint(ctx, op, i); err != nil {
				return err
			}
			i++
			bin, sku := splitStockKey(k)
			if newBins[bin] {
				continue
			}
			lvl, err := decodeLevel(bin, sku, v)
			if err != nil {
				return err
			}
			if lvl.OnHand > 0 || lvl.Reserved > 0 {
				vs.Add("bins", "bin %s still holds %d of %s (%d reserved); move or adjust that stock before removing the bin",
					bin, lvl.OnHand, sku, lvl.Reserved)
			}
		}
		return vs.Err(op)
	}
	write := func(tx *txn) error {
		// A new generation tells every later transaction to drop the cached
		// map. Nothing in this transaction reads the map after this point, so
		// an import whose commit fails never reaches the cache.
		b := tx.Bucket(bucketBinMap)
		if _, err := b.NextSequence(); err != nil {
			return err
		}
		return put(b, keyCurrent, m)
	}
	err := s.importWith(ctx, op, dry, check, write)
	return ch, err
}

// mapIndex is a decoded bin map with the set of its codes, cached.
type mapIndex struct {
	m    *floor.BinMap
	bins map[string]bool
}

// currentIndex is the bin map as tx sees it (m nil before the first
// import). It is shared: callers must not modify it.
func (s *Store) currentIndex(tx *txn) (mapIndex, error) {
	b := tx.Bucket(bucketBinMap)
	gen := b.Sequence()
	s.mapMu.Lock()
	defer s.mapMu.Unlock()
	if s.binMap.m != nil && s.mapGen == gen {
		return s.binMap, nil
	}
	m, ok, err := get[floor.BinMap](b, keyCurrent)
	if err != nil || !ok {
		return mapIndex{bins: map[string]bool{}}, err
	}
	idx := mapIndex{m: &m, bins: make(map[string]bool, len(m.Bins))}
	for _, bin := range m.Bins {
		idx.bins[bin.Code] = true
	}
	if gen > s.mapGen {
		s.binMap, s.mapGen = idx, gen
	}
	return idx, nil
}

// currentMap is the bin map as tx sees it, nil before the first import.
func (s *Store) currentMap(tx *txn) (*floor.BinMap, error) {
	idx, err := s.currentIndex(tx)
	return idx.m, err
}

func diffBinMaps(old, m *floor.BinMap) BinMapChange {
	ch := BinMapChange{Bins: len(m.Bins)}
	before := make(map[string]floor.Point, len(old.Bins))
	for _, b := range old.Bins {
		before[b.Code] = old.PickFace(b)
	}
	for _, b := range m.Bins {
		p, ok := before[b.Code]
		switch {
		case !ok:
			ch.Added++
		case p != m.PickFace(b):
			ch.Moved++
		}
		delete(before, b.Code)
	}
	ch.Removed = len(before)
	return ch
}

// BinMap returns the current bin map, or a KindNotFound error before the
// first import. The map is shared: callers must not modify it.
func (s *Store) BinMap() (*floor.BinMap, error) {
	const op = "get bin map"
	var m *floor.BinMap
	err := s.view(op, func(tx *txn) error {
		var err error
		m, err = s.currentMap(tx)
		if err == nil && m == nil {
			return floor.E(op, floor.KindNotFound, "no bin map has been imported yet")
		}
		return err
	})
	return m, err
}

// binSet is the set of bin codes of the map tx sees; shared, read only.
func (s *Store) binSet(tx *txn) (map[string]bool, error) {
	idx, err := s.currentIndex(tx)
	return idx.bins, err
}
