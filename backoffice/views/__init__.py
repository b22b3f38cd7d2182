"""The admin views, one per collection, all built on `views.base.CollectionView`."""
