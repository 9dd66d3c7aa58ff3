"""The warehouse's pages: reconciliation (home), returned parts, requisitions, stock, the
monthly close and supplier claims. Thin views over ``dispatch.parts``."""
