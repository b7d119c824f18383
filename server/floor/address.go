package floor

import (
	"fmt"
	"strings"

	"github.com/pickpack/pickpack/labels/address"
)

// AddressProblem says what the recipient's address lacks for the post of
// its country, per field ("recipient.postal_code: ..."), or "" when its
// waybill can hold it. The formats are the published libaddressinput data
// of labels/address (pure data, no I/O). Like CustomsProblem, it is found
// at release: an order whose label cannot be addressed gets no carrier,
// and the warehouse learns why before anyone picks it.
func AddressProblem(a Address) string {
	ps := address.Check(address.Address{Name: a.Name, Lines: a.Lines, City: a.City, Region: a.Region,
		PostalCode: a.PostalCode, Country: a.Country})
	if len(ps) == 0 {
		return ""
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fmt.Sprintf("recipient.%s: %s", p.Field, p.Msg)
	}
	return "the address does not fit its country's format: " + strings.Join(parts, "; ")
}
