"""Every use of Whoosh internals (private attributes, subclassed writers and readers, patches) lives in this package; a whoosh3 upgrade touches only here."""
