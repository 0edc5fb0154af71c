variable "name" {
  description = "Name prefix."
  type        = string
}

variable "cidr_block" {
  description = "CIDR block of the VPC."
  type        = string
}

variable "subnets" {
  description = "Subnet CIDR blocks keyed by availability-zone suffix (\"a\", \"b\", ...)."
  type        = map(string)
}

variable "region" {
  description = "Region the availability-zone suffixes belong to."
  type        = string
}

variable "admin_cidrs" {
  description = "Networks allowed to use SSH."
  type        = list(string)
}
