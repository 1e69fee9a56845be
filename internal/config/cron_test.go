package config

import "testing"

func TestValidateCron(t *testing.T) {
	valid := []string{
		"* * * * *", "*/5 * * * *", "0 */6 * * *", "0 9 * * MON-FRI", "0 9 * * mon,wed,fri",
		"30 2 1 JAN,JUL *", "0-30/10 * * * *", "0 0 L * ?", "0 0 15W * *", "0 0 LW * *",
		"0 10 * * MON#2", "0 10 ? * 6L", "0 0 * * 1-7", "0 0 * * 0", "59 23 31 12 SAT",
	}
	for _, c := range valid {
		if err := validateCron(c); err != nil {
			t.Errorf("validateCron(%q) = %v; want nil", c, err)
		}
	}
	invalid := []string{
		"", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *",
		"* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *", "* * * FOO *", "* * * * MON#6",
		"1,,2 * * * *", "L * * * *", "* * * * W", "-1 * * * *", "*/x * * * *", "a-b * * * *",
	}
	for _, c := range invalid {
		if err := validateCron(c); err == nil {
			t.Errorf("validateCron(%q) = nil; want an error", c)
		}
	}
}
