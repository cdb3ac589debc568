package store

import (
	"context"
	"database/sql"
	"iter"
)

// listQuery runs query in one read transaction, scans every row with scan, and then yields the
// rows (so the loop body may write to the store). An error is yielded once, alone.
func listQuery[T any](ctx context.Context, s *Store, scan func(rowScanner) (T, error), query string, args ...any) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var all []T
		err := s.read(ctx, func(tx *sql.Tx) error {
			all = all[:0]
			rows, err := tx.QueryContext(ctx, query, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				v, err := scan(rows)
				if err != nil {
					return err
				}
				all = append(all, v)
			}
			return rows.Err()
		})
		if err != nil {
			var zero T
			yield(zero, err)
			return
		}
		for _, v := range all {
			if !yield(v, nil) {
				return
			}
		}
	}
}
