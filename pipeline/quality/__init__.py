"""Quality: expectation suites derived from the table schemas, validation, verification of a release."""
