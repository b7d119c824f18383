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
)

var roleNames = [...]string{"unspecified", "picker", "packer", "supervisor", "admin"}

func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return "unknown"
}

// ParseRole reads a role name as printed by Role.String.
func ParseRole(s string) (Role, bool) {
	for i, n := range roleNames {
		if i > 0 && n == s {
			return Role(i), true
		}
	}
	return RoleUnspecified, false
}

// User is someone holding a token. Name is unique.
type User struct {
	Name    string
	Role    Role
	Created time.Time
}
