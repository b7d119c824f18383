package store

import (
	"bytes"
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Units shipped are also summed per day and SKU, so that sales over weeks
// are read from a few thousand counters instead of every movement since.

func salesKey(day time.Time, sku string) []byte {
	return []byte(day.UTC().Format(time.DateOnly) + "\x00" + sku)
}

// addSale counts units of sku shipped at at.
func addSale(tx *bolt.Tx, at time.Time, sku string, units int64) error {
	b := tx.Bucket(bucketSales)
	key := salesKey(at, sku)
	var n uint64
	if v := b.Get(key); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	return b.Put(key, u64(n+uint64(units)))
}

// unitsShipped sums the units shipped per SKU on the days whole days
// before the day of now (UTC): today is not over, and counting a part of
// it would understate the daily rate.
func unitsShipped(tx *bolt.Tx, days int, now time.Time) map[string]int64 {
	today := now.UTC().Truncate(24 * time.Hour)
	from, to := salesKey(today.AddDate(0, 0, -days), ""), salesKey(today, "")
	sold := map[string]int64{}
	c := tx.Bucket(bucketSales).Cursor()
	for k, v := c.Seek(from); k != nil && bytes.Compare(k, to) < 0; k, v = c.Next() {
		_, sku, _ := bytes.Cut(k, []byte{0})
		sold[string(sku)] += int64(binary.BigEndian.Uint64(v))
	}
	return sold
}
