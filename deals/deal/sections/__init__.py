"""Optional sections of a deal file ([stages], [actors], [beliefs]): each reads, checks and writes its own table."""
