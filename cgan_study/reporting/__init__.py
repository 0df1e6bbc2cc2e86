"""Everything that turns results/ into tables, figures, checked claims and the paper; it never trains anything."""
