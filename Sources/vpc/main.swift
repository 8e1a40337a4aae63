import Hummingbird
import GRDB
import Crypto
import ArgumentParser
print("x")
