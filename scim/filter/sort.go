package filter

import (
	"strings"
	"unicode/utf8"

	fp "github.com/scim2/filter-parser/v2"

	"github.com/latchkeyhq/latchkey/directory"
)

// UserSort maps a sortBy parameter on /Users to the attribute to order
// by, with the same naming rules as filters. Sorting by emails or
// emails.value orders by the primary email. An empty sortBy is "": the
// default order.
func UserSort(sortBy string) (directory.Attr, error) { return users.sortAttr(sortBy) }

// GroupSort maps a sortBy parameter on /Groups; see UserSort.
func GroupSort(sortBy string) (directory.Attr, error) { return groups.sortAttr(sortBy) }

func (r *resource) sortAttr(sortBy string) (directory.Attr, error) {
	if sortBy == "" {
		return "", nil
	}
	if len(sortBy) > MaxLength || !utf8.ValidString(sortBy) {
		return "", errorf("sortBy is longer than %d bytes or not valid UTF-8", MaxLength)
	}
	p, err := fp.ParseAttrPath([]byte(strings.Trim(sortBy, " ")))
	if err != nil {
		return "", errorf("sortBy %s is not an attribute name", quote(sortBy))
	}
	def, err := r.lookup(p)
	if err != nil {
		return "", err
	}
	name := p.String()
	_, ok := r.kind(def.attr)
	switch {
	case def.rule == invitedFlag || def.rule == claimedFlag:
		return "", errorf("sorting by %s is not supported; sort by inviteDate or claimDate instead", name)
	case def.multi != nil && def.attr != def.multi.sortBy:
		return "", errorf("sorting by %s is not supported", name)
	case !ok:
		return "", errorf("sorting by %s is not supported", name)
	}
	return def.attr, nil
}
