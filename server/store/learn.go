package store

import (
	"github.com/pickpack/pickpack/server/floor"
)

// LearnPicks folds a picker's pick events into their familiarity with each
// bin and SKU and into their pace, in one transaction.
func (s *Store) LearnPicks(picker string, events ...floor.PickEvent) error {
	return s.update("learn picks", func(tx *txn) error { return learnPicks(tx, picker, events...) })
}

func learnPicks(tx *txn, picker string, events ...floor.PickEvent) error {
	models, fam := tx.Bucket(bucketModels), tx.Bucket(bucketFamiliarity)
	model, ok, err := get[floor.PickerModel](models, picker)
	if err != nil {
		return err
	}
	if !ok {
		model = floor.DefaultPickerModel
	}
	for _, e := range events {
		key := picker + "\x00" + floor.FamiliarityKey(e.Bin, e.SKU)
		f, _, err := get[floor.Familiarity](fam, key)
		if err != nil {
			return err
		}
		// Expected time at the face is that of a familiar picker: anyone
		// slower than that is still finding their way.
		if err := put(fam, key, f.AddPick(e.At, e.AtFace, model.Stop(true, 0))); err != nil {
			return err
		}
		model = model.Learn(e)
	}
	return put(models, picker, model)
}

// PickerState is what the store has learned about one picker.
type PickerState struct {
	Model       floor.PickerModel
	Familiarity map[string]floor.Familiarity // keyed by floor.FamiliarityKey
}

// Picker returns what has been learned about picker (defaults if nothing).
func (s *Store) Picker(picker string) (PickerState, error) {
	st := PickerState{Model: floor.DefaultPickerModel, Familiarity: map[string]floor.Familiarity{}}
	err := s.view("get picker", func(tx *txn) error {
		if m, ok, err := get[floor.PickerModel](tx.Bucket(bucketModels), picker); err != nil {
			return err
		} else if ok {
			st.Model = m
		}
		prefix := picker + "\x00"
		c := tx.Bucket(bucketFamiliarity).Cursor()
		for k, v := c.Seek([]byte(prefix)); k != nil && len(k) > len(prefix) && string(k[:len(prefix)]) == prefix; k, v = c.Next() {
			f, err := decodeJSON[floor.Familiarity](v)
			if err != nil {
				return err
			}
			st.Familiarity[string(k[len(prefix):])] = f
		}
		return nil
	})
	return st, err
}

// PickerModels returns every picker's learned pace, by name; pickers with
// nothing learned are absent.
func (s *Store) PickerModels() (map[string]floor.PickerModel, error) {
	out := map[string]floor.PickerModel{}
	err := s.view("read picker models", func(tx *txn) error {
		return tx.Bucket(bucketModels).ForEach(func(k, v []byte) error {
			m, err := decodeJSON[floor.PickerModel](v)
			out[string(k)] = m
			return err
		})
	})
	return out, err
}
