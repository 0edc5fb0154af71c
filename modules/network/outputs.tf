output "vpc_id" {
  value = aws_vpc.this.id
}

output "subnet_ids" {
  description = "Subnet IDs keyed like var.subnets."
  value       = { for key, subnet in aws_subnet.private : key => subnet.id }
}

output "web_security_group_id" {
  value = aws_security_group.web.id
}

output "db_security_group_id" {
  value = aws_security_group.db.id
}
