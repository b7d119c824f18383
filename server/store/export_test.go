package store

import bolt "go.etcd.io/bbolt"

// completeForTest frees a task's picker without touching stock, standing in
// for the scanning flow that finishes tasks.
func (s *Store) completeForTest(id string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		t, err := taskByID(tx, "test", id)
		if err != nil {
			return err
		}
		t.Done = true
		if err := put(tx.Bucket(bucketTasks), id, t); err != nil {
			return err
		}
		return tx.Bucket(bucketPickerTasks).Delete([]byte(t.Picker))
	})
}
