//go:build !linux

package store

// ReleaseMapped does nothing here: the servers run on Linux, where it
// drops the data file's pages from the process's memory map.
func (s *Store) ReleaseMapped() error { return nil }
