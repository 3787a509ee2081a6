"""The verdict matrix: scenarios run against stack variants, each score's verdict checked against
what the variant should make it be. It is how gameday proves its own scores tell the truth."""
