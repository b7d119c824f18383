package rpc

import (
	"encoding/base64"

	"github.com/pickpack/pickpack/server/floor"
)

const (
	defaultPageSize = 100
	maxPageSize     = 1000
)

// page reads a page size and an opaque page token, recording violations.
func page(size int32, token string, vs *floor.Violations) (int, string) {
	n := int(size)
	switch {
	case size < 0:
		vs.Add("page_size", "must not be negative, got %d", size)
	case size == 0:
		n = defaultPageSize
	case size > maxPageSize:
		n = maxPageSize
	}
	after, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		vs.Add("page_token", "not a token from a previous response")
	}
	return n, string(after)
}

func pageToken(after string) string { return base64.RawURLEncoding.EncodeToString([]byte(after)) }
