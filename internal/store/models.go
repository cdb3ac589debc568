package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"time"
)

// Model is a registered model version.
type Model struct {
	Name string
	// Version is assigned by RegisterModel: 1 for the first model of a name,
	// then one more than the highest version of that name.
	Version          int
	RunID            string
	Path             string
	Description      string
	Framework        string
	FrameworkVersion string
	Tags             map[string]string
	Properties       map[string]string
	// Files are the model's files; Name is relative to the model root and
	// SHA256 names a stored blob.
	Files     []Artifact
	CreatedAt time.Time
}

const modelColumns = `name, version, run_id, path, description, framework, framework_version,
	tags, properties, files, created_at`

// RegisterModel stores m as the next version of its name, atomically even
// when several goroutines or processes register the same name at once, and
// returns it with Version (and CreatedAt, when zero) filled in. m.Version is
// ignored. A non-empty RunID must name an existing run and every file's blob
// must be stored (else an error wrapping ErrNotFound).
func (s *Store) RegisterModel(ctx context.Context, m Model) (Model, error) {
	if m.Name == "" {
		return Model{}, errors.New("store: empty model name")
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now()
	}
	if err := checkTimes("model time", m.CreatedAt); err != nil {
		return Model{}, err
	}
	m = cloneModel(m)
	for i := range m.Files {
		f := &m.Files[i]
		f.RunID = m.RunID
		if f.Name == "" || !validSHA256(f.SHA256) {
			return Model{}, fmt.Errorf("store: model %s: file %d needs a name and a valid hash", m.Name, i)
		}
		if !s.HasBlob(f.SHA256) {
			return Model{}, fmt.Errorf("%w: model %s file %q: blob %s", ErrNotFound, m.Name, f.Name, f.SHA256)
		}
	}
	tags, err := marshalMap(m.Tags)
	if err != nil {
		return Model{}, fmt.Errorf("store: model %s tags: %w", m.Name, err)
	}
	props, err := marshalMap(m.Properties)
	if err != nil {
		return Model{}, fmt.Errorf("store: model %s properties: %w", m.Name, err)
	}
	files, err := json.Marshal(nonNil(m.Files))
	if err != nil {
		return Model{}, fmt.Errorf("store: model %s files: %w", m.Name, err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if m.RunID != "" {
			if err := requireRun(ctx, tx, m.RunID); err != nil {
				return err
			}
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM models WHERE name = ?`,
			m.Name).Scan(&m.Version); err != nil {
			return fmt.Errorf("store: register model %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO models (`+modelColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
			m.Name, m.Version, m.RunID, m.Path, m.Description, m.Framework, m.FrameworkVersion,
			tags, props, string(files), m.CreatedAt.UnixNano()); err != nil {
			return fmt.Errorf("store: register model %s: %w", m.Name, err)
		}
		return nil
	})
	if err != nil {
		return Model{}, err
	}
	if m.Tags == nil {
		m.Tags = map[string]string{}
	}
	if m.Properties == nil {
		m.Properties = map[string]string{}
	}
	return m, nil
}

// Model returns version of the named model; version 0 means the latest.
// A missing model yields an error wrapping ErrNotFound.
func (s *Store) Model(ctx context.Context, name string, version int) (Model, error) {
	var m Model
	err := s.read(ctx, func(tx *sql.Tx) error {
		var row *sql.Row
		if version == 0 {
			row = tx.QueryRowContext(ctx, `SELECT `+modelColumns+` FROM models WHERE name = ? ORDER BY version DESC LIMIT 1`, name)
		} else {
			row = tx.QueryRowContext(ctx, `SELECT `+modelColumns+` FROM models WHERE name = ? AND version = ?`, name, version)
		}
		var err error
		m, err = scanModel(row)
		if errors.Is(err, sql.ErrNoRows) {
			if version == 0 {
				return fmt.Errorf("%w: model %s", ErrNotFound, name)
			}
			return fmt.Errorf("%w: model %s version %d", ErrNotFound, name, version)
		}
		if err != nil {
			return fmt.Errorf("store: read model %s: %w", name, err)
		}
		return nil
	})
	return m, err
}

// Models lists the versions of the named model, or of all models when name
// is "", newest first (by CreatedAt, then highest version).
func (s *Store) Models(ctx context.Context, name string) iter.Seq2[Model, error] {
	q := `SELECT ` + modelColumns + ` FROM models`
	var args []any
	if name != "" {
		q += ` WHERE name = ?`
		args = append(args, name)
	}
	q += ` ORDER BY created_at DESC, version DESC, name`
	return listQuery(ctx, s, scanModel, q, args...)
}

func scanModel(sc rowScanner) (Model, error) {
	var m Model
	var tags, props, files string
	var created sql.NullInt64
	if err := sc.Scan(&m.Name, &m.Version, &m.RunID, &m.Path, &m.Description, &m.Framework, &m.FrameworkVersion,
		&tags, &props, &files, &created); err != nil {
		return Model{}, err
	}
	var err error
	if m.Tags, err = unmarshalMap(tags); err != nil {
		return Model{}, fmt.Errorf("model %s tags: %w", m.Name, err)
	}
	if m.Properties, err = unmarshalMap(props); err != nil {
		return Model{}, fmt.Errorf("model %s properties: %w", m.Name, err)
	}
	if err := json.Unmarshal([]byte(files), &m.Files); err != nil {
		return Model{}, fmt.Errorf("model %s files: %w", m.Name, err)
	}
	m.CreatedAt = timeFrom(created)
	return m, nil
}

// cloneModel returns a copy of m that shares no memory with it.
func cloneModel(m Model) Model {
	m.Tags = maps.Clone(m.Tags)
	m.Properties = maps.Clone(m.Properties)
	m.Files = slices.Clone(m.Files)
	return m
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
