variable "vpc_id" {
  type = string
}

resource "aws_route_table" "rt" {
  vpc_id = var.vpc_id
}
