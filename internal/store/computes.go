package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"time"
)

// Compute is an attached compute target: its name, type (for example
// "VirtualMachine") and non-secret configuration.
type Compute struct {
	Name      string
	Type      string
	Config    json.RawMessage
	CreatedAt time.Time
}

// PutCompute adds the compute target or replaces the type and configuration
// of the one with the same name (keeping its CreatedAt). A zero CreatedAt
// means now.
func (s *Store) PutCompute(ctx context.Context, c Compute) error {
	return s.putCompute(ctx, c, true)
}

// CreateCompute adds the compute target like PutCompute, but fails with an
// error wrapping ErrExists when one with the same name exists.
func (s *Store) CreateCompute(ctx context.Context, c Compute) error {
	return s.putCompute(ctx, c, false)
}

func (s *Store) putCompute(ctx context.Context, c Compute, replace bool) error {
	if c.Name == "" || c.Type == "" {
		return errors.New("store: compute target needs a name and a type")
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now()
	}
	if err := checkTimes("compute time", c.CreatedAt); err != nil {
		return err
	}
	cfg, err := jsonArg("compute "+c.Name+" config", c.Config)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		q := `INSERT INTO computes (name, type, config, created_at) VALUES (?, ?, ?, ?)`
		if replace {
			q += ` ON CONFLICT (name) DO UPDATE SET type = excluded.type, config = excluded.config`
		} else {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM computes WHERE name = ?`, c.Name).Scan(&one)
			if err == nil {
				return fmt.Errorf("%w: compute target %s", ErrExists, c.Name)
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("store: read compute target %s: %w", c.Name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, q, c.Name, c.Type, cfg, c.CreatedAt.UnixNano()); err != nil {
			return fmt.Errorf("store: put compute target %s: %w", c.Name, err)
		}
		return nil
	})
}

// Compute returns the named compute target, or an error wrapping ErrNotFound.
func (s *Store) Compute(ctx context.Context, name string) (Compute, error) {
	var c Compute
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = scanCompute(tx.QueryRowContext(ctx, `SELECT name, type, config, created_at FROM computes WHERE name = ?`, name))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: compute target %s", ErrNotFound, name)
		}
		if err != nil {
			return fmt.Errorf("store: read compute target %s: %w", name, err)
		}
		return nil
	})
	return c, err
}

// DeleteCompute removes the named compute target, or returns an error
// wrapping ErrNotFound.
func (s *Store) DeleteCompute(ctx context.Context, name string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM computes WHERE name = ?`, name)
		if err != nil {
			return fmt.Errorf("store: delete compute target %s: %w", name, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("store: delete compute target %s: %w", name, err)
		} else if n == 0 {
			return fmt.Errorf("%w: compute target %s", ErrNotFound, name)
		}
		return nil
	})
}

// Computes lists the compute targets sorted by name.
func (s *Store) Computes(ctx context.Context) iter.Seq2[Compute, error] {
	return listQuery(ctx, s, scanCompute, `SELECT name, type, config, created_at FROM computes ORDER BY name`)
}

func scanCompute(sc rowScanner) (Compute, error) {
	var c Compute
	var cfg sql.NullString
	var created sql.NullInt64
	if err := sc.Scan(&c.Name, &c.Type, &cfg, &created); err != nil {
		return Compute{}, err
	}
	c.Config = jsonFrom(cfg)
	c.CreatedAt = timeFrom(created)
	return c, nil
}
