"""Everything that turns results/ into tables, figures, findings and the paper; it never trains anything."""
