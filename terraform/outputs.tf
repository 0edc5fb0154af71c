output "vpc_id" {
  description = "ID of the VPC."
  value       = module.network.vpc_id
}

output "bucket_names" {
  description = "Bucket names by purpose."
  value       = { for key, bucket in module.buckets : key => bucket.name }
}

output "web_instance_ids" {
  description = "IDs of the web servers."
  value       = module.app.instance_ids
}
