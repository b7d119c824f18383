package store

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// tokenPrefix makes tokens recognisable in a leaked log or a secret scanner.
const tokenPrefix = "pp_"

// tokenRecord is what is kept of a token: never the token itself.
// Expires is set on device tokens from SignIn (the end of the shift);
// tokens from CreateToken never expire. Device names the handheld it was
// given to, for the log.
type tokenRecord struct {
	User    string
	Created time.Time
	Expires time.Time `json:",omitzero"`
	Device  string    `json:",omitempty"`
}

// hashToken keys tokens by SHA-256. Tokens carry 256 random bits, so a
// fast hash is enough: there is nothing to brute-force, unlike passwords.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// newToken makes a token: 256 random bits, prefixed.
func newToken(op string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", floor.Wrap(op, floor.KindInternal, err)
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(raw), nil
}

func putToken(tx *txn, token string, rec tokenRecord) error {
	raw, err := encodeJSON(rec)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketTokens).Put(hashToken(token), raw)
}

// CreateToken creates user with role if new and returns a new token for
// them. The token is returned once; only its hash is stored. A user that
// exists with another role is a conflict: roles are not changed silently.
func (s *Store) CreateToken(user string, role floor.Role) (string, error) {
	const op = "create token"
	token, err := newToken(op)
	if err != nil {
		return "", err
	}
	err = s.update(op, func(tx *txn) error {
		users := tx.Bucket(bucketUsers)
		u, ok, err := get[floor.User](users, user)
		if err != nil {
			return err
		}
		if ok && u.Role != role {
			return &floor.Error{Op: op, Kind: floor.KindConflict, Reason: "ROLE_MISMATCH",
				Msg: fmt.Sprintf("user %s exists with role %s, not %s", user, u.Role, role)}
		}
		if !ok {
			if err := put(users, user, floor.User{Name: user, Role: role, Created: s.now()}); err != nil {
				return err
			}
		}
		return putToken(tx, token, tokenRecord{User: user, Created: s.now()})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// Authenticate returns the user holding token, or a KindUnauthenticated
// error that does not say whether the user exists.
func (s *Store) Authenticate(token string) (floor.User, error) {
	u, _, err := s.TokenInfo(token)
	return u, err
}

// TokenInfo returns the user holding token and when it expires (zero: a
// token without end), or a KindUnauthenticated error for a token unknown,
// revoked or expired.
func (s *Store) TokenInfo(token string) (floor.User, time.Time, error) {
	const op = "authenticate"
	var u floor.User
	var rec tokenRecord
	err := s.view(op, func(tx *txn) error {
		var err error
		u, rec, err = s.tokenUser(tx, op, token)
		return err
	})
	return u, rec.Expires, err
}

func (s *Store) tokenUser(tx *txn, op, token string) (floor.User, tokenRecord, error) {
	bad := &floor.Error{Op: op, Kind: floor.KindUnauthenticated, Msg: "unknown, revoked or expired token"}
	if !strings.HasPrefix(token, tokenPrefix) {
		return floor.User{}, tokenRecord{}, bad
	}
	v := tx.Bucket(bucketTokens).Get(hashToken(token))
	if v == nil {
		return floor.User{}, tokenRecord{}, bad
	}
	rec, err := decodeJSON[tokenRecord](v)
	if err != nil {
		return floor.User{}, rec, err
	}
	if rec.expired(s.now()) {
		return floor.User{}, rec, bad
	}
	u, ok, err := get[floor.User](tx.Bucket(bucketUsers), rec.User)
	if err == nil && !ok {
		return u, rec, bad
	}
	return u, rec, err
}

func (r tokenRecord) expired(now time.Time) bool {
	return !r.Expires.IsZero() && !now.Before(r.Expires)
}

// RevokeTokens revokes every token of user and returns how many there were.
func (s *Store) RevokeTokens(user string) (int, error) {
	const op = "revoke tokens"
	n := 0
	err := s.update(op, func(tx *txn) error {
		if tx.Bucket(bucketUsers).Get([]byte(user)) == nil {
			return &floor.Error{Op: op, Kind: floor.KindNotFound, Reason: "UNKNOWN_USER", Msg: fmt.Sprintf("no user %q", user)}
		}
		c := tx.Bucket(bucketTokens).Cursor()
		for k, v := c.First(); k != nil; {
			rec, err := decodeJSON[tokenRecord](v)
			if err != nil {
				return err
			}
			if rec.User != user {
				k, v = c.Next()
				continue
			}
			if err := c.Delete(); err != nil {
				return err
			}
			n++
			// Delete moves the cursor onto the next item.
			k, v = c.Seek(k)
		}
		return nil
	})
	return n, err
}

// UserInfo is a user with how many live tokens they hold.
type UserInfo struct {
	floor.User
	Tokens int
}

// Users lists all users by name.
func (s *Store) Users() ([]UserInfo, error) {
	const op = "list users"
	var out []UserInfo
	err := s.view(op, func(tx *txn) error {
		count := map[string]int{}
		now := s.now()
		err := tx.Bucket(bucketTokens).ForEach(func(_, v []byte) error {
			rec, err := decodeJSON[tokenRecord](v)
			if !rec.expired(now) {
				count[rec.User]++
			}
			return err
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketUsers).ForEach(func(_, v []byte) error {
			u, err := decodeJSON[floor.User](v)
			out = append(out, UserInfo{User: u, Tokens: count[u.Name]})
			return err
		})
	})
	return out, err
}
