package store

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// pinIterations is the PBKDF2-HMAC-SHA256 work per PIN check (OWASP's
// figure for 2023 on): about 0.2 s of one core here. A PIN has few
// possible values, so unlike a token it must be slow to try; the lockout
// bounds guesses through the server, the work guesses on a stolen file.
const pinIterations = 600_000

// signInRecord is what is kept of a user's PIN and badge: never either
// in clear. PINIter is kept per record so the work can be raised later.
type signInRecord struct {
	PINSalt     []byte    `json:",omitempty"`
	PINHash     []byte    `json:",omitempty"`
	PINIter     int       `json:",omitempty"`
	Badge       []byte    `json:",omitempty"` // SHA-256 of the badge's code, the key in bucketBadges
	Failures    int       `json:",omitempty"` // wrong PINs in a row
	LockedUntil time.Time `json:",omitzero"`
}

func hashPIN(pin string, salt []byte, iter int) ([]byte, error) {
	return pbkdf2.Key(sha256.New, pin, salt, iter, 32)
}

// hashBadge keys badges by SHA-256: a badge code carries 100 random bits,
// so, like a token, it needs no slow hash.
func hashBadge(code string) []byte {
	h := sha256.Sum256([]byte("badge\x00" + code))
	return h[:]
}

// SignedIn is a device token handed out at sign-in.
type SignedIn struct {
	User    floor.User
	Token   string // shown once; only its hash is kept
	Expires time.Time
}

// manageUser returns user for a PIN or badge change, creating them with
// role if new; may says whether the caller may manage a user of a role.
func (s *Store) manageUser(tx *txn, op, user string, role floor.Role, may func(floor.Role) bool) (floor.User, error) {
	users := tx.Bucket(bucketUsers)
	u, ok, err := get[floor.User](users, user)
	switch {
	case err != nil:
		return u, err
	case ok && role != floor.RoleUnspecified && u.Role != role:
		return u, &floor.Error{Op: op, Kind: floor.KindConflict, Reason: "ROLE_MISMATCH",
			Msg: fmt.Sprintf("user %s exists with role %s, not %s", user, u.Role, role)}
	case !ok && role == floor.RoleUnspecified:
		return u, floor.Invalid(op, []floor.Violation{{Field: "role", Description: fmt.Sprintf("required: there is no user %s yet", user)}})
	case !ok:
		u = floor.User{Name: user, Role: role, Created: s.now()}
	}
	if !may(u.Role) {
		return u, &floor.Error{Op: op, Kind: floor.KindPermission, Reason: "NOT_YOUR_USER",
			Msg: fmt.Sprintf("you may not manage the sign-in of a %s", u.Role)}
	}
	if !ok {
		return u, put(users, user, u)
	}
	return u, nil
}

// SetPIN sets user's PIN (checked by the caller against floor.PINProblem),
// creating the user with role if new, and lifts a lockout. may says
// whether the caller may manage a user of a role.
func (s *Store) SetPIN(user string, role floor.Role, pin string, may func(floor.Role) bool) error {
	const op = "set pin"
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return floor.Wrap(op, floor.KindInternal, err)
	}
	// Hashed before the write: the slow work must not hold the writer.
	h, err := hashPIN(pin, salt, pinIterations)
	if err != nil {
		return floor.Wrap(op, floor.KindInternal, err)
	}
	return s.update(op, func(tx *txn) error {
		if _, err := s.manageUser(tx, op, user, role, may); err != nil {
			return err
		}
		b := tx.Bucket(bucketSignIn)
		rec, _, err := get[signInRecord](b, user)
		if err != nil {
			return err
		}
		rec.PINSalt, rec.PINHash, rec.PINIter = salt, h, pinIterations
		rec.Failures, rec.LockedUntil = 0, time.Time{}
		return put(b, user, rec)
	})
}

// IssueBadge makes a new badge code for user, creating the user with role
// if new; the user's previous badge stops working. The code is returned
// once; only its hash is kept.
func (s *Store) IssueBadge(user string, role floor.Role, may func(floor.Role) bool) (string, error) {
	b, err := s.IssueBadgeTo(user, role, may)
	return b.Code, err
}

// IssuedBadge is a badge code just made and the user it signs in: what a
// printed badge shows.
type IssuedBadge struct {
	Code string
	User floor.User
}

// IssueBadgeTo is IssueBadge that also says who the badge is for (the
// role of an existing user, when role is unspecified), in the same
// transaction.
func (s *Store) IssueBadgeTo(user string, role floor.Role, may func(floor.Role) bool) (IssuedBadge, error) {
	const op = "issue badge"
	var random [13]byte
	if _, err := rand.Read(random[:]); err != nil {
		return IssuedBadge{}, floor.Wrap(op, floor.KindInternal, err)
	}
	code := floor.BadgeCode(random)
	var u floor.User
	err := s.update(op, func(tx *txn) error {
		var err error
		if u, err = s.manageUser(tx, op, user, role, may); err != nil {
			return err
		}
		b := tx.Bucket(bucketSignIn)
		rec, _, err := get[signInRecord](b, user)
		if err != nil {
			return err
		}
		badges := tx.Bucket(bucketBadges)
		if rec.Badge != nil {
			if err := badges.Delete(rec.Badge); err != nil {
				return err
			}
		}
		rec.Badge = hashBadge(code)
		if err := badges.Put(rec.Badge, []byte(user)); err != nil {
			return err
		}
		return put(b, user, rec)
	})
	if err != nil {
		return IssuedBadge{}, err
	}
	return IssuedBadge{Code: code, User: u}, nil
}

// signInLocks serialise the PIN checks of one user (by a hash of the
// name): parallel guesses would otherwise all pass the lockout check
// before the first failure is counted.
var signInLocks [64]sync.Mutex

func lockUser(user string) func() {
	h := fnv.New32a()
	h.Write([]byte(user))
	m := &signInLocks[h.Sum32()%uint32(len(signInLocks))]
	m.Lock()
	return m.Unlock
}

// dummySalt stands in for the salt of a user without a PIN, so that a
// wrong user name costs as much time as a wrong PIN.
var dummySalt = make([]byte, 16)

// SignInPIN checks user's PIN and hands out a device token that expires
// after ttl. A wrong PIN, an unknown user and a user without a PIN get the
// same KindUnauthenticated error after the same work; pol.MaxFailures
// wrong PINs in a row lock the PIN for pol.Lockout (KindExhausted,
// PIN_LOCKED).
func (s *Store) SignInPIN(user, pin string, ttl time.Duration, device string, pol floor.SignInPolicy) (SignedIn, error) {
	const op = "sign in"
	defer lockUser(user)()
	var rec signInRecord
	var known bool
	err := s.view(op, func(tx *txn) error {
		var err error
		rec, known, err = get[signInRecord](tx.Bucket(bucketSignIn), user)
		return err
	})
	if err != nil {
		return SignedIn{}, err
	}
	now := s.now()
	if known && now.Before(rec.LockedUntil) {
		return SignedIn{}, &floor.Error{Op: op, Kind: floor.KindExhausted, Reason: "PIN_LOCKED",
			Msg: fmt.Sprintf("too many wrong PINs: try again after %s, use your badge, or ask a supervisor for a new PIN",
				rec.LockedUntil.Format(time.TimeOnly))}
	}
	salt, iter := rec.PINSalt, rec.PINIter
	if rec.PINHash == nil {
		salt, iter = dummySalt, pinIterations
	}
	h, err := hashPIN(pin, salt, iter)
	if err != nil {
		return SignedIn{}, floor.Wrap(op, floor.KindInternal, err)
	}
	right := rec.PINHash != nil && subtle.ConstantTimeCompare(h, rec.PINHash) == 1
	var out SignedIn
	err = s.update(op, func(tx *txn) error {
		b := tx.Bucket(bucketSignIn)
		cur, ok, err := get[signInRecord](b, user)
		if err != nil || !ok {
			return err
		}
		if !right || !bytesEqual(cur.PINHash, rec.PINHash) { // a PIN set meanwhile is the one that counts
			cur.Failures++
			if cur.Failures >= pol.MaxFailures {
				cur.Failures, cur.LockedUntil = 0, now.Add(pol.Lockout)
			}
			return put(b, user, cur)
		}
		if cur.Failures != 0 {
			cur.Failures = 0
			if err := put(b, user, cur); err != nil {
				return err
			}
		}
		out, err = s.deviceToken(tx, op, user, now, ttl, device)
		return err
	})
	if err != nil {
		return SignedIn{}, err
	}
	if out.Token == "" {
		return SignedIn{}, &floor.Error{Op: op, Kind: floor.KindUnauthenticated, Reason: "WRONG_PIN", Msg: "wrong user name or PIN"}
	}
	return out, nil
}

func bytesEqual(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// SignInBadge hands out a device token that expires after ttl to the
// holder of a badge code, or a KindUnauthenticated error for a code no
// badge has (any more).
func (s *Store) SignInBadge(code string, ttl time.Duration, device string) (SignedIn, error) {
	const op = "sign in"
	var out SignedIn
	err := s.update(op, func(tx *txn) error {
		user := tx.Bucket(bucketBadges).Get(hashBadge(code))
		if user == nil {
			return &floor.Error{Op: op, Kind: floor.KindUnauthenticated, Reason: "UNKNOWN_BADGE",
				Msg: "this badge does not sign anyone in: ask a supervisor for a new one"}
		}
		var err error
		out, err = s.deviceToken(tx, op, string(user), s.now(), ttl, device)
		return err
	})
	return out, err
}

// deviceToken makes a token for user that expires after ttl, and drops the
// user's expired tokens so that a year of shifts does not pile up.
func (s *Store) deviceToken(tx *txn, op, user string, now time.Time, ttl time.Duration, device string) (SignedIn, error) {
	u, ok, err := get[floor.User](tx.Bucket(bucketUsers), user)
	if err != nil {
		return SignedIn{}, err
	}
	if !ok {
		return SignedIn{}, &floor.Error{Op: op, Kind: floor.KindUnauthenticated, Msg: "unknown user"}
	}
	token, err := newToken(op)
	if err != nil {
		return SignedIn{}, err
	}
	c := tx.Bucket(bucketTokens).Cursor()
	for k, v := c.First(); k != nil; {
		rec, err := decodeJSON[tokenRecord](v)
		if err != nil {
			return SignedIn{}, err
		}
		if rec.User != user || !rec.expired(now) {
			k, v = c.Next()
			continue
		}
		if err := c.Delete(); err != nil {
			return SignedIn{}, err
		}
		k, v = c.Seek(k) // Delete moves the cursor onto the next item
	}
	exp := now.Add(ttl)
	if err := putToken(tx, token, tokenRecord{User: user, Created: now, Expires: exp, Device: device}); err != nil {
		return SignedIn{}, err
	}
	return SignedIn{User: u, Token: token, Expires: exp}, nil
}

// RevokeToken revokes one token (a device signing out) and returns its
// user; a token unknown, revoked or expired is KindUnauthenticated.
func (s *Store) RevokeToken(token string) (string, error) {
	const op = "revoke token"
	var user string
	err := s.update(op, func(tx *txn) error {
		u, _, err := s.tokenUser(tx, op, token)
		if err != nil {
			return err
		}
		user = u.Name
		return tx.Bucket(bucketTokens).Delete(hashToken(token))
	})
	return user, err
}
