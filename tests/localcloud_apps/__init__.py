"""Programs and stack files localcloud's tests run as tasks."""
