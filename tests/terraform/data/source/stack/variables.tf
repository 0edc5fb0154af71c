variable "team" {
  type        = string
  description = <<EOF
The team that owns the stack.
EOF
}

/* Egress rules,
   one per port. */
variable "egress" {
  type    = list(object({ port = number }))
  default = [{ port = 443 }]
}
