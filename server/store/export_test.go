package store

import (
	"context"
)

// SetImportChecked makes every order import of s call hook with its
// context once checked, inside its read transaction, for the tests outside
// the package that hold an import there.
func SetImportChecked(s *Store, hook func(ctx context.Context)) { s.importChecked = hook }

// SetImportStaged makes every staged order import of s call hook after
// each chunk it commits, with how many of its new orders are staged.
func SetImportStaged(s *Store, hook func(ctx context.Context, staged, total int)) {
	s.importStaged = hook
}

// HoldWriter takes the file's one write transaction until release is
// called, for tests that show what needs no writer.
func HoldWriter(s *Store) (release func(), err error) {
	tx, err := s.db.Begin(true)
	if err != nil {
		return nil, err
	}
	return func() { tx.Rollback() }, nil
}

// freePickerForTest lets a picker take another task while the first stays
// open with its stock reserved, standing in for a picker finishing a trip.
func (s *Store) freePickerForTest(id string) error {
	return updateDB(s.db, func(tx *txn) error {
		t, err := taskByID(tx, "test", id)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketPickerTasks).Delete([]byte(t.Picker))
	})
}

// StagedImports counts the imports listed as staged and not shown, and
// their entries for orders other writes stored first: none is left once
// every import has ended, however it ended.
func StagedImports(s *Store) (imports, lost int, err error) {
	err = viewDB(s.db, func(tx *txn) error {
		return tx.Bucket(bucketImports).ForEach(func(k, v []byte) error {
			if v == nil {
				imports++
			} else {
				lost++
			}
			return nil
		})
	})
	return imports, lost, err
}

// StageChunk is how many orders a staged import writes per transaction.
const StageChunk = stageChunk
