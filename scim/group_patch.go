package scim

import (
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/scim/patch"
	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// patchGroupDocument applies PATCH operations to a group: attribute
// changes to its document, member changes as set operations. It reports
// whether the document changed.
func patchGroupDocument(g *directory.Group, ops []patch.Operation) ([]memberChange, bool, error) {
	doc := decodeStored(g.Resource)
	doc["displayName"] = g.DisplayName
	if g.ExternalID != "" {
		doc["externalId"] = g.ExternalID
	}
	patched, changes, changed, err := patch.ApplyGroup(doc, ops, schemas.Group(), patch.Options{ID: g.ID})
	if err != nil {
		return nil, false, err
	}
	out := make([]memberChange, 0, len(changes))
	for _, ch := range changes {
		mc, err := memberChangeOf(ch)
		if err != nil {
			return nil, false, err
		}
		out = append(out, mc)
	}
	if !changed {
		return out, false, nil
	}
	norm, err := normalize(patched, schemas.Group())
	if err != nil {
		return nil, false, err
	}
	if _, err := applyGroupDocument(g, norm); err != nil {
		return nil, false, err
	}
	return out, true, nil
}

func memberChangeOf(ch patch.MemberChange) (memberChange, error) {
	refs := make([]memberRef, 0, len(ch.Members))
	for _, m := range ch.Members {
		t, err := memberType(m.Type)
		if err != nil {
			return memberChange{}, err
		}
		refs = append(refs, memberRef{ID: m.Value, Type: t})
	}
	switch {
	case ch.RemoveAll:
		return memberChange{removeAll: true}, nil
	case ch.Op == "replace":
		return memberChange{replace: true, add: refs}, nil
	case ch.Op == "remove":
		return memberChange{remove: ch.Remove}, nil
	}
	return memberChange{add: refs}, nil
}
