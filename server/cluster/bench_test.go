package cluster

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// BenchmarkWrite is one store write (a user and a token) acknowledged by a
// single server's file, and by a three-node site on loopback (committed on
// a majority and applied on the leader): the price of replication per
// write, or per group commit under load.
func BenchmarkWrite(b *testing.B) {
	run := func(b *testing.B, s *store.Store) {
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if _, err := s.CreateToken("u"+strconv.Itoa(i), floor.RolePicker); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("single", func(b *testing.B) {
		s, err := store.Open(filepath.Join(b.TempDir(), "pickpack.db"), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		run(b, s)
	})
	b.Run("three-nodes", func(b *testing.B) {
		c := newCluster(b, 3, steadyTune)
		s := openStore(b, c.leader())
		defer s.Close()
		run(b, s)
	})
}
