package config

import (
	"fmt"
	"strconv"
	"strings"
)

// cronField describes one field of a cron expression.
type cronField struct {
	name     string
	min, max int
	names    []string // names[i] stands for min+i
	special  string   // extra Quartz characters allowed: L, W, #
}

var (
	monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dayNames   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
	// cronFields are the five fields of Cloudflare's cron syntax. Day of week
	// is 1-7 with 1 = Sunday (Quartz), and 0 is accepted for Sunday too.
	cronFields = []cronField{
		{name: "minute", min: 0, max: 59},
		{name: "hour", min: 0, max: 23},
		{name: "day of month", min: 1, max: 31, special: "LW"},
		{name: "month", min: 1, max: 12, names: monthNames},
		{name: "day of week", min: 0, max: 7, names: dayNames, special: "L#"},
	}
)

// validateCron checks a 5-field cron expression as Cloudflare's cron triggers
// accept it: "*", lists ("1,2"), ranges ("1-5"), steps ("*/5", "0-30/10"),
// month and weekday names ("JAN", "MON-FRI"), "?" in the day fields, and the
// Quartz forms "L", "LW", "15W" (day of month) and "5L", "MON#2" (day of week).
func validateCron(expr string) error {
	parts := strings.Fields(expr)
	if len(parts) != len(cronFields) {
		return fmt.Errorf("want 5 fields (minute hour day-of-month month day-of-week), got %d", len(parts))
	}
	for i, p := range parts {
		if err := cronFields[i].validate(p); err != nil {
			return fmt.Errorf("%s field %q: %w", cronFields[i].name, p, err)
		}
	}
	return nil
}

func (f cronField) validate(s string) error {
	for _, item := range strings.Split(s, ",") {
		if item == "" {
			return fmt.Errorf("empty list item")
		}
		if err := f.item(strings.ToUpper(item)); err != nil {
			return err
		}
	}
	return nil
}

func (f cronField) item(s string) error {
	dayField := strings.Contains(f.special, "L")
	switch {
	case s == "?" && dayField, s == "L" && dayField, s == "LW" && strings.Contains(f.special, "W"):
		return nil
	case strings.Contains(f.special, "W") && strings.HasSuffix(s, "W"):
		_, err := f.value(strings.TrimSuffix(s, "W"))
		return err
	case strings.Contains(f.special, "#") && strings.Contains(s, "#"):
		day, nth, _ := strings.Cut(s, "#")
		if _, err := f.value(day); err != nil {
			return err
		}
		if n, err := strconv.Atoi(nth); err != nil || n < 1 || n > 5 {
			return fmt.Errorf("%q after \"#\" is not a week number 1-5", nth)
		}
		return nil
	case f.name == "day of week" && strings.HasSuffix(s, "L"):
		_, err := f.value(strings.TrimSuffix(s, "L"))
		return err
	}
	rng, step, hasStep := strings.Cut(s, "/")
	if hasStep {
		n, err := strconv.Atoi(step)
		if err != nil || n < 1 || n > f.max {
			return fmt.Errorf("step %q is not a number from 1 to %d", step, f.max)
		}
	}
	if rng == "*" {
		return nil
	}
	lo, hi, isRange := strings.Cut(rng, "-")
	a, err := f.value(lo)
	if err != nil {
		return err
	}
	if !isRange {
		return nil
	}
	b, err := f.value(hi)
	if err != nil {
		return err
	}
	if a > b {
		return fmt.Errorf("range %s-%s is backwards", lo, hi)
	}
	return nil
}

// value parses a number or name of the field and checks its range.
func (f cronField) value(s string) (int, error) {
	for i, n := range f.names {
		if s == n {
			if f.name == "day of week" {
				return i + 1, nil // Quartz: SUN = 1
			}
			return f.min + i, nil
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || s == "" || s[0] == '+' || s[0] == '-' {
		return 0, fmt.Errorf("%q is not a number from %d to %d", s, f.min, f.max)
	}
	if n < f.min || n > f.max {
		return 0, fmt.Errorf("%d is out of range %d-%d", n, f.min, f.max)
	}
	return n, nil
}
