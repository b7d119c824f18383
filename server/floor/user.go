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

// ValidateUserName checks a user name by the rule of IDUser (UserNameRule):
// 1 to 64 lowercase letters, digits, '.', '_' and '-', not "." or "..", so
// names are safe in logs, in messages and as pack station names.
func ValidateUserName(name string) error {
	if p := IDUser.Problem(name); p != "" {
		return E("validate user name", KindInvalid, "%s", p)
	}
	return nil
}
