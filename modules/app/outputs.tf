output "instance_ids" {
  value = aws_instance.web[*].id
}

output "role_arn" {
  value = aws_iam_role.web.arn
}
