"""Our own corpus of photographed GST invoices: `inaam bench corpus make`."""
