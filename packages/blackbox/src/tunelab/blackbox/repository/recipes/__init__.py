"""Built-in recipes; importing this package registers them."""
