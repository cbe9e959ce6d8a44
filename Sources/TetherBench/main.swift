print("tether-bench: not written yet")
