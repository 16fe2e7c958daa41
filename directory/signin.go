package directory

import "context"

// SignInOrganization is the organization a sign-in page is for: the one
// slug names or, without a slug, the only organization (the default one
// when there are several). ErrNotFound when slug names none.
func SignInOrganization(ctx context.Context, store OrganizationStore, slug string) (Organization, error) {
	if slug == "" {
		orgs, err := store.ListOrganizations(ctx)
		if err != nil {
			return Organization{}, err
		}
		if len(orgs) == 1 {
			return orgs[0], nil
		}
		slug = DefaultOrganizationSlug
	}
	return store.OrganizationBySlug(ctx, slug)
}
