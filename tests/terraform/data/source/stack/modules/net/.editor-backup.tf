resource "aws_vpc" "backup" {}
