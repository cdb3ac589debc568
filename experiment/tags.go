package experiment

import (
	"context"
)

// Tag sets one tag on the run (azureml's Run.tag); tags are mutable.
func (r *Run) Tag(ctx context.Context, key, value string) error {
	return r.SetTags(ctx, map[string]string{key: value})
}

// SetTags sets several tags on the run.
func (r *Run) SetTags(ctx context.Context, tags map[string]string) error {
	if err := r.st.SetTags(ctx, r.id, tags); err != nil {
		return errorf("experiment: tagging run %s: %w", r.id, err)
	}
	return nil
}

// RemoveTags removes tags from the run.
func (r *Run) RemoveTags(ctx context.Context, keys ...string) error {
	if err := r.st.RemoveTags(ctx, r.id, keys); err != nil {
		return errorf("experiment: removing tags of run %s: %w", r.id, err)
	}
	return nil
}

// Tags returns the run's tags.
func (r *Run) Tags(ctx context.Context) (map[string]string, error) {
	tags, err := r.st.Tags(ctx, r.id)
	if err != nil {
		return nil, errorf("experiment: reading tags of run %s: %w", r.id, err)
	}
	return tags, nil
}

// AddProperties adds properties to the run. Properties are immutable: setting an existing key to
// another value is an error.
func (r *Run) AddProperties(ctx context.Context, props map[string]string) error {
	if err := r.st.AddProperties(ctx, r.id, props); err != nil {
		return errorf("experiment: adding properties to run %s: %w", r.id, err)
	}
	return nil
}

// Properties returns the run's properties.
func (r *Run) Properties(ctx context.Context) (map[string]string, error) {
	props, err := r.st.Properties(ctx, r.id)
	if err != nil {
		return nil, errorf("experiment: reading properties of run %s: %w", r.id, err)
	}
	return props, nil
}
