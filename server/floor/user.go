package floor

import "time"

// Role says what a user may do.
type Role int

// Roles. Each RPC names the roles allowed to call it; admin may call all.
const (
	RoleUnspecified Role = iota
	RolePicker
	RolePacker
	RoleSupervisor
	RoleAdmin
	RoleReceiver // receives deliveries, puts away, moves stock
	RoleCounter  // counts bins, moves stock
)

var roleNames = []string{"unspecified", "picker", "packer", "supervisor", "admin", "receiver", "counter"}

func (r Role) String() string { return nameOf(roleNames, r) }

// ParseRole reads a role name as printed by Role.String.
func ParseRole(s string) (Role, bool) { return parseName[Role](roleNames, s) }

// User is someone holding a token. Name is unique.
type User struct {
	Name    string
	Role    Role
	Created time.Time
}

// ValidateUserName checks a user name: 1 to 64 characters of lowercase
// letters, digits, '.', '_' and '-', so names are safe in logs and paths.
func ValidateUserName(name string) error {
	if name == "" || len(name) > 64 {
		return E("validate user name", KindInvalid, "must be 1 to 64 characters, got %d", len(name))
	}
	for i, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return E("validate user name", KindInvalid, "character %q at %d: use lowercase letters, digits, '.', '_' or '-'", r, i+1)
		}
	}
	return nil
}
