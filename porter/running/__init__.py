"""Running porter over inputs: finding files and charts, reading them, converting them in
one process or many, and writing results safely."""
