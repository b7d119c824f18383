package store

import (
	"bytes"
	"time"
)

// Units shipped are also summed per day and SKU, so that sales over weeks
// are read from a few thousand counters instead of every movement since.

func salesKey(day time.Time, sku string) []byte {
	return []byte(day.UTC().Format(time.DateOnly) + "\x00" + sku)
}

// addSale counts units of sku shipped at at.
func addSale(tx *txn, at time.Time, sku string, units int64) error {
	b := tx.Bucket(bucketSales)
	key := salesKey(at, sku)
	n, err := counter(bucketSales, key, b.Get(key))
	if err != nil {
		return err
	}
	return b.Put(key, u64(uint64(n+units)))
}

// unitsShipped sums the units shipped per SKU on the days whole days
// before the day of now (UTC): today is not over, and counting a part of
// it would understate the daily rate.
func unitsShipped(tx *txn, days int, now time.Time) (map[string]int64, error) {
	today := now.UTC().Truncate(24 * time.Hour)
	from, to := salesKey(today.AddDate(0, 0, -days), ""), salesKey(today, "")
	sold := map[string]int64{}
	c := tx.Bucket(bucketSales).Cursor()
	for k, v := c.Seek(from); k != nil && bytes.Compare(k, to) < 0; k, v = c.Next() {
		n, err := counter(bucketSales, k, v)
		if err != nil {
			return nil, err
		}
		_, sku, _ := bytes.Cut(k, []byte{0})
		sold[string(sku)] += n
	}
	return sold, nil
}
